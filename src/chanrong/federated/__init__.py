"""Joint credit modelling between a bank and the platform without moving the data: private
set intersection on USCC and vertical (feature-partitioned) logistic regression under
Paillier encryption. See ``protocol`` for exactly what crosses between the parties."""

"""Joint credit modelling between a bank and the platform without moving the data: private
set intersection on USCC, vertical logistic regression under Paillier encryption
(``protocol``) and SecureBoost-style trees (``secureboost``). See docs/federated.md for
exactly what crosses between the parties."""

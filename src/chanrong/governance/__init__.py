"""Data governance: catalog with 分类分级, consent grants, the access list, the verifiable log."""

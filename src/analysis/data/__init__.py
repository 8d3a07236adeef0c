"""The data layer: the contract, readers, validation, the synthetic data and the analysis frame."""

"""Qt-free PyTorch labs, one package per explainer (config, real modules, the Lab)."""

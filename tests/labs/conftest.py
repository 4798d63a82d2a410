import pytest


@pytest.fixture
def one_torch_thread():
    """Small models train fastest on one torch thread (and the app's worker uses one)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

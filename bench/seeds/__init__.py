# Seed Triton kernels as importable modules (see bench/compare_torch.py).

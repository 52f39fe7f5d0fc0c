"""Register the hypothesis profiles before pytest reads ``--hypothesis-profile``:
``python -m pytest --hypothesis-profile=thorough`` runs tens of thousands of examples."""

import tests.torch_required  # noqa: F401  (registers the profiles)

"""Copy media between storages, buckets and regions (manage.py media_copy).

- sides.py: SOURCE and DESTINATION as given (a storage's name, a variable holding a DSN, a DSN), built
  through the project's configuration layer; the refusal of a copy onto itself.
- listing.py: what each side holds, and how a run tells that an object is already copied.
- objects.py: copying one object, each way (server-side, streamed, to and from a local folder).
- copying.py: a whole run: plan, copy concurrently, abort what an interrupted run left, delete to mirror.
"""

from .copying import CopyResult, Plan, plan_copy, run_copy
from .sides import CopyRefused, open_side

__all__ = ["CopyRefused", "CopyResult", "Plan", "open_side", "plan_copy", "run_copy"]

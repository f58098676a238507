"""What we send to Dodo for an object, and a fingerprint of it.

The fingerprint of what was last sent is stored on the sync record; comparing it with
the fingerprint of the current values tells whether Dodo needs an update, whatever the
save that triggered the check (draft revisions, edits of other fields) was about.
"""

import hashlib
import json


def fingerprint(payload):
    """A stable hash of a JSON-able payload."""
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def customer_payload(user):
    """The customer fields Dodo holds for ``user``."""
    return {"email": user.email, "name": user.get_full_name() or user.email.split("@", 1)[0]}

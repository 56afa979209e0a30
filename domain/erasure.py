"""What a reader gets for an event whose case key has been destroyed.

Culling (gallring) destroys a case's data key; the ciphertext stays so the
audit ledger still verifies.  Readers of such events receive an
``ErasedEvent`` tombstone instead of a decryption failure: projections can
skip it, and rebuilding the aggregate raises ``CaseErased`` — a clear domain
result, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.errors import CaseErased


@dataclass(frozen=True)
class ErasedEvent:
    originator_id: UUID
    originator_version: int
    topic: str

    def mutate(self, aggregate: object) -> object:
        raise CaseErased(f"case {self.originator_id} has been erased (its data key is destroyed)",
                         case_id=self.originator_id)

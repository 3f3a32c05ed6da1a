"""The keras3 toolkit: introspect upstream Keras, store and diff snapshots, emit the binding.

One module per stage of the data flow (see shared design): `introspect` (the only importer of
Keras) -> `store` -> `diff` -> `report`; `history` and `drift` read the store; `cli` wires them.
"""

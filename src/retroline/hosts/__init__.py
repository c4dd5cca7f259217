"""Host state as evidence: package lists, process snapshots and socket tables of the hosts
that work and those that fail, and what differs between them."""

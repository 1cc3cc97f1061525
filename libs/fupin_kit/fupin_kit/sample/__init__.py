"""A minimal aggregate used to prove the delivery guarantees end to end.

Run as two processes: `sample_producer` accepts items over HTTP and records `fupin.sample.item.created.v1`
in its outbox; `sample_consumer` handles those events into an effects table through the inbox. Items
whose name starts with "poison" make the handler fail every time, to exercise the DLQ.
"""

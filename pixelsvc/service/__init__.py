"""The gRPC service around the engine: `server` (grpc.aio, health, reflection, TLS, drain),
`servicer` (protobuf <-> stage types, the batcher, status codes) and `metrics` (Prometheus).

Import the submodules directly; this package imports nothing so that `pixelsvc` itself never
pulls in grpc or prometheus_client.
"""

__all__: list[str] = []

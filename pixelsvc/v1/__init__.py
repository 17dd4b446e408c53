"""GENERATED gRPC/protobuf code for the pixelsvc.v1 API: never edit these files by hand.

Regenerate from the repository root after changing protos/pixelsvc/v1/redactor.proto::

    python -m grpc_tools.protoc -Iprotos --python_out=. --pyi_out=. --grpc_python_out=. \\
        protos/pixelsvc/v1/redactor.proto

tests/test_proto_sync.py fails when these files and the .proto disagree. Only
pixelsvc.service, pixelsvc.client and pixelsvc.cli import this package.
"""

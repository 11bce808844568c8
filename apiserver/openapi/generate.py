#!/usr/bin/env python3
"""Regenerates specs.bin: the OpenAPI documents kube-apiserver v1.37.2 serves, each
gzip-compressed, so the API server can serve them byte for byte. Its input is a directory laid
out as the k8s.io/kubernetes module's api/openapi-spec (swagger.json and v3/*.json);
dump-from-upstream.sh fills one from a running upstream server (whose documents carry the enum
values the module's generated files lack) and calls this script, which is how specs.bin is made.

Format of specs.bin, repeated to the end of the file:
  u32 big-endian name length, name (UTF-8: "v2" for swagger.json, else the /openapi/v3 path,
  e.g. "api/v1", "apis/apps/v1", "apis/apps", "version"),
  u32 big-endian payload length, payload (one gzip member of the document's exact bytes).

Usage: apiserver/openapi/generate.py [path to k8s.io/kubernetes@v1.37.2]
"""
import gzip
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODULE = os.path.join(
    os.environ.get("GOMODCACHE", os.path.expanduser("~/go/pkg/mod")),
    "k8s.io/kubernetes@v1.37.2",
)


def record(name, data):
    payload = gzip.compress(data, compresslevel=9, mtime=0)
    encoded = name.encode()
    return struct.pack(">I", len(encoded)) + encoded + struct.pack(">I", len(payload)) + payload


def main():
    module = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_MODULE
    spec_dir = os.path.join(module, "api", "openapi-spec")
    out = bytearray()
    with open(os.path.join(spec_dir, "swagger.json"), "rb") as f:
        out += record("v2", f.read())
    v3_dir = os.path.join(spec_dir, "v3")
    suffix = "_openapi.json"
    for file_name in sorted(os.listdir(v3_dir)):
        if not file_name.endswith(suffix):
            continue
        path = file_name[: -len(suffix)].replace("__", "/")
        with open(os.path.join(v3_dir, file_name), "rb") as f:
            out += record(path, f.read())
    with open(os.path.join(HERE, "specs.bin"), "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()

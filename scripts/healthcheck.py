#!/usr/bin/env python3
"""The container health check: GET /healthz on the local web server, with a Host header
that ALLOWED_HOSTS accepts (its first entry), so that a server configured for its public
name still answers a check made from inside the container. Exit 0 when healthy.
Stdlib only, so it costs no Django start-up."""

import os
import sys
import urllib.error
import urllib.request


def host_header() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "localhost").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main() -> int:
    port = os.environ.get("HEALTHCHECK_PORT", "8000")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz",
                                     headers={"Host": host_header()})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310
            print(response.read().decode())
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:
        print(error.code, error.read().decode(errors="replace"))
    except OSError as error:
        print(f"unreachable: {error}")
    return 1


if __name__ == "__main__":
    sys.exit(main())

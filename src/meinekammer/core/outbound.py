"""One POST to a connected application's server (change events, logout tokens): the answer's
status, or None when there was none (refused, timed out, unreachable), and a short error text
for the delivery log. Never raises for a transport failure: the caller retries."""

import urllib.error
import urllib.request

ERROR_MAX_LENGTH = 500


def post(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float
) -> tuple[int | None, str]:
    request = urllib.request.Request(  # noqa: S310 - an http(s) address the operator registered
        url, data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]

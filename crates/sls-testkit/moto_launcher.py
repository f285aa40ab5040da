"""Starts moto server with one fix: signatures of form-encoded requests are
checked over the body as sent.

moto 5.x parses an `application/x-www-form-urlencoded` body into a form before
anything else reads it; its signature check then re-encodes the parsed form
(a space as `+`). botocore sends `+` too, so Python clients pass, but the AWS
SDK for Rust sends `%20`, so every query-protocol request (CloudFormation
CreateStack/UpdateStack, IAM, STS...) whose parameters hold a space got
SignatureDoesNotMatch while auth checking was on. Caching the raw body before
the form is parsed makes moto sign over the bytes received, as AWS does
(werkzeug re-parses the form from the cached bytes).

Usage: python moto_launcher.py [moto_server arguments], e.g. -H 127.0.0.1 -p 0
Run it with the Python that has moto installed (.venv-moto/bin/python).
"""

import sys

import moto.core.request as _moto_request

_FORM = "application/x-www-form-urlencoded"
_original_init = _moto_request.Request.__init__


def _init_caching_form_body(self, *args, **kwargs):
    _original_init(self, *args, **kwargs)
    if self.mimetype == _FORM:
        # Reads the stream once and keeps the bytes; form parsing later reads
        # them from the cache (werkzeug's _get_stream_for_parsing).
        self.get_data(cache=True, parse_form_data=False)


_moto_request.Request.__init__ = _init_caching_form_body

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main(sys.argv[1:]))

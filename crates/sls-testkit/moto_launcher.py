"""Starts moto server with two fixes: signatures of form-encoded requests are
checked over the body as sent, and ExecuteChangeSet refreshes the stack's outputs
(see below); a third, opt-in with SLS_MOTO_FIX_BODYLESS=1, checks body-less
GET/DELETE requests' signatures over their empty body.

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


# Second fix: moto's ExecuteChangeSet applies the resources and the template text but leaves
# the stack's parsed template, outputs, description, role and tags as they were (UpdateStack
# refreshes them), so a change set deploy showed the previous template's outputs. Refresh
# them after the change set is applied, as CloudFormation does.
import moto.cloudformation.models as _cfn_models

_original_execute = _cfn_models.CloudFormationBackend.execute_change_set


def _execute_change_set_refreshing_stack(self, change_set_name, stack_name=None):
    _original_execute(self, change_set_name, stack_name)
    change_set = self.change_sets.get(change_set_name)
    if change_set is None:
        for cs in self.change_sets.values():
            if cs.change_set_name == change_set_name:
                change_set = cs
    if change_set is None:
        return
    stack = self.stacks[change_set.stack_id]
    stack._parse_template()
    stack.output_map = stack._create_output_map()
    stack.description = stack.template_dict.get("Description")
    stack.role_arn = change_set.role_arn
    if change_set.tags is not None:
        stack.tags = change_set.tags


_cfn_models.CloudFormationBackend.execute_change_set = _execute_change_set_refreshing_stack


# Third fix, opt-in (SLS_MOTO_FIX_BODYLESS=1): moto's response layer fills a body-less
# request's form data with its query parameters (or, without any, its headers), and the
# signature check then signs those as a form body, so every body-less GET/DELETE to Lambda
# or API Gateway got SignatureDoesNotMatch while checking was on. Sign such requests over
# the empty body they had (the query string is already in the path), as AWS does. Opt-in
# because tests written against the unfixed behaviour exist.
import os

if os.environ.get("SLS_MOTO_FIX_BODYLESS") == "1":
    import moto.iam.access_control as _access_control

    _original_create_request = _access_control.IAMRequestBase._create_aws_request

    def _create_request_bodyless(self):
        request = _original_create_request(self)
        if self._method in ("GET", "HEAD", "DELETE") and not self._body:
            request.data = b""
        return request

    _access_control.IAMRequestBase._create_aws_request = _create_request_bodyless

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main(sys.argv[1:]))

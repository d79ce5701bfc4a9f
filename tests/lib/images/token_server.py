#!/usr/bin/env python3
"""token_server.py -- a Docker registry Bearer token issuer for berth's image tests.

Implements the token half of the Docker Registry v2 auth spec ("token authentication"
and its OAuth2 password grant) on 127.0.0.1, with the python3 standard library only;
the RS256 signatures are made by the openssl CLI.

    token_server.py --key KEY --cert CERT --users FILE --port-file FILE
                    [--service NAME] [--issuer NAME] [--public-prefix PREFIX]
                    [--expires SECONDS] [--tls-cert PEM --tls-key PEM] [--port N]

  --key/--cert   RSA private key and self-signed certificate (PEM) to sign with. The
                 certificate goes into each token's x5c header; give the same file to
                 the registry as auth.token.rootcertbundle.
  --users        lines "user:password" allowed to pull and push everything.
  --port-file    after the socket listens, its port number is written here (to a
                 temporary name, then renamed), so a starter can poll for the file.
  --public-prefix  repositories whose name starts with this (default "public/") may
                 be pulled anonymously; every other anonymous request gets a token
                 granting nothing, which the registry then refuses (insufficient_scope).
  --tls-cert/--tls-key  serve HTTPS instead of HTTP (the realm must then be https://).

Endpoints (both at /token, and the same at any path):
  GET  ?service=S&scope=repository:NAME:pull,push[&scope=...][&account=U]
       with optional "Authorization: Basic ..." ->
       200 {"token", "access_token", "expires_in", "issued_at"}
       401 (WWW-Authenticate: Basic) when credentials are given and wrong.
  POST form grant_type=password&username=U&password=P&service=S&scope=... ->
       200 {"access_token", "expires_in", "issued_at", "scope"}, 401 on bad credentials;
       other grant types -> 400 {"error": "unsupported_grant_type"}.
  A service parameter that is present and not --service -> 400.

Each request is logged to stderr as one line: "token user=U scopes=... granted=...".
"""

import argparse
import base64
import json
import os
import secrets
import ssl
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

REPO_ACTIONS = ("pull", "push", "delete", "*")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pem_to_der_b64(pem_path: str) -> str:
    """Standard base64 of the first certificate's DER, as JOSE x5c wants it."""
    text = open(pem_path, encoding="ascii").read()
    body = text.split("-----BEGIN CERTIFICATE-----", 1)[1].split("-----END CERTIFICATE-----", 1)[0]
    return "".join(body.split())


def parse_scopes(values):
    """["repository:a/b:pull,push", ...] -> [(type, name, [actions])]; a value may hold
    several space-separated scopes. Names may contain ':' only before the actions."""
    out = []
    for value in values:
        for scope in value.split():
            kind, sep, rest = scope.partition(":")
            name, sep2, actions = rest.rpartition(":")
            if not sep or not sep2 or not name:
                continue
            out.append((kind, name, [a for a in actions.split(",") if a]))
    return out


class Issuer:
    def __init__(self, args):
        self.key = args.key
        self.x5c = [pem_to_der_b64(args.cert)]
        self.service = args.service
        self.issuer = args.issuer
        self.public_prefix = args.public_prefix
        self.expires = args.expires
        self.users = {}
        with open(args.users, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    user, _, password = line.partition(":")
                    self.users[user] = password

    def check(self, user, password) -> bool:
        want = self.users.get(user)
        return want is not None and secrets.compare_digest(want.encode(), password.encode())

    def grant(self, user, scopes):
        """What to grant: everything asked for to a known user; to anonymous, only pull
        on public repositories. Unknown scope types are dropped."""
        access = []
        for kind, name, actions in scopes:
            if kind == "repository":
                if user:
                    allowed = [a for a in actions if a in REPO_ACTIONS]
                elif name.startswith(self.public_prefix):
                    allowed = [a for a in actions if a == "pull"]
                else:
                    allowed = []
            elif kind == "registry" and name == "catalog" and user:
                allowed = [a for a in actions if a == "*"]
            else:
                continue
            access.append({"type": kind, "name": name, "actions": allowed})
        return access

    def sign(self, user, access):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": self.x5c}
        claims = {
            "iss": self.issuer,
            "sub": user,
            "aud": self.service,
            "exp": now + self.expires,
            "nbf": now - 1,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key],
                             input=signing_input.encode(), stdout=subprocess.PIPE,
                             check=True).stdout
        return signing_input + "." + b64url(sig), now


class Handler(BaseHTTPRequestHandler):
    server_version = "berth-token/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # one line per request, see log_token
        pass

    def log_token(self, user, scopes, access, code):
        granted = ";".join(f"{a['type']}:{a['name']}:{','.join(a['actions'])}" for a in access)
        asked = ";".join(f"{k}:{n}:{','.join(a)}" for k, n, a in scopes)
        sys.stderr.write(f"token {self.command} code={code} user={user or '-'} "
                         f"scopes={asked or '-'} granted={granted or '-'}\n")
        sys.stderr.flush()

    def reply(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def unauthorized(self, scopes):
        self.log_token("?", scopes, [], 401)
        self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]},
                   [("WWW-Authenticate", 'Basic realm="berth-token"')])

    def basic_user(self):
        """None: no credentials; False: malformed; else (user, password)."""
        auth = self.headers.get("Authorization", "")
        if not auth:
            return None
        kind, _, value = auth.partition(" ")
        if kind.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return (user, password) if sep else False

    def check_service(self, params, scopes):
        service = params.get("service", [None])[0]
        if service is not None and service != self.server.issuer.service:
            self.log_token("?", scopes, [], 400)
            self.reply(400, {"errors": [{"code": "DENIED", "message": f"unknown service {service}"}]})
            return False
        return True

    def do_GET(self):
        issuer = self.server.issuer
        params = parse_qs(urlsplit(self.path).query)
        scopes = parse_scopes(params.get("scope", []))
        if not self.check_service(params, scopes):
            return
        creds = self.basic_user()
        user = ""
        if creds is not None:
            if not creds or not issuer.check(*creds):
                self.unauthorized(scopes)
                return
            user = creds[0]
        access = issuer.grant(user, scopes)
        token, now = issuer.sign(user, access)
        self.log_token(user, scopes, access, 200)
        self.reply(200, {"token": token, "access_token": token, "expires_in": issuer.expires,
                         "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})

    def do_POST(self):
        issuer = self.server.issuer
        length = int(self.headers.get("Content-Length", "0") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        scopes = parse_scopes(form.get("scope", []))
        if not self.check_service(form, scopes):
            return
        if form.get("grant_type", [""])[0] != "password":
            self.log_token("?", scopes, [], 400)
            self.reply(400, {"error": "unsupported_grant_type"})
            return
        user = form.get("username", [""])[0]
        if not issuer.check(user, form.get("password", [""])[0]):
            self.unauthorized(scopes)
            return
        access = issuer.grant(user, scopes)
        token, now = issuer.sign(user, access)
        self.log_token(user, scopes, access, 200)
        self.reply(200, {"access_token": token, "expires_in": issuer.expires,
                         "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
                         "scope": " ".join(form.get("scope", []))})


def main():
    p = argparse.ArgumentParser(description="Bearer token issuer for berth's registry tests")
    p.add_argument("--key", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--users", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--service", default="berth-registry")
    p.add_argument("--issuer", default="berth-token-issuer")
    p.add_argument("--public-prefix", default="public/")
    p.add_argument("--expires", type=int, default=300)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    args = p.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.issuer = Issuer(args)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        # The handshake happens on the first read, in the request's thread, so that a
        # client that never completes it cannot stall the accept loop.
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)

    tmp = f"{args.port_file}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

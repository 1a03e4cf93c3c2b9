"""A worker of another language's kind whose every string carries escape sequences.

Run as ``python hostile_worker.py``; it speaks protocol v1 (docs/protocol.md)
with the standard library only, for a plugin named ``hostile-worker`` with one
command, ``greet(name: str, tone: Literal[...] = ...) -> str``. Its manifest
(summary, description, help, choices), its results and its stderr lines
(plain and JSON log records) all hold terminal escape sequences.
"""

from __future__ import annotations

import json
import sys

ESC = "\x1b"
NASTY = f"{ESC}[2J{ESC}]0;pwned\x07\u202e\x9b31m\x7f"
CHOICE = f"calm{ESC}[5m"


def manifest() -> dict[str, object]:
    return {
        "manifest_version": 1,
        "name": "hostile-worker",
        "distribution": f"hostile{ESC}[1m-dist",
        "version": f"1.0{ESC}[0m",
        "api_version": "1.0",
        "summary": f"Summary {NASTY}",
        "description": f"Description {NASTY}\nsecond line",
        "commands": [
            {
                "name": "greet",
                "help": f"Greet {NASTY}",
                "description": f"Long help {NASTY}",
                "params": [
                    {
                        "name": "name",
                        "type": {"type": "string"},
                        "required": True,
                        "default": None,
                        "choices": None,
                        "help": f"who {NASTY}",
                    },
                    {
                        "name": "tone",
                        "type": {"type": "string", "enum": [CHOICE, "loud"]},
                        "required": False,
                        "default": CHOICE,
                        "choices": [CHOICE, "loud"],
                        "help": f"how {NASTY}",
                    },
                ],
                "returns": {"type": "string"},
            }
        ],
    }


def send(message: dict[str, object]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def main() -> int:
    sys.stderr.write(f"plain stderr {NASTY}\r\n")
    sys.stderr.write(json.dumps({"level": "warning", "message": f"logged {NASTY}"}) + "\n")
    sys.stderr.flush()
    for line in sys.stdin:
        message = json.loads(line)
        id_ = message.get("id")
        method = message.get("method")
        if id_ is None:
            continue
        if method == "initialize":
            send(
                {
                    "jsonrpc": "2.0",
                    "id": id_,
                    "result": {"protocol_version": 1, "manifest": manifest()},
                }
            )
        elif method == "call":
            args = message["params"]["arguments"]
            sys.stderr.write(f"calling {NASTY}\n")
            sys.stderr.flush()
            if args["name"] == "fail":
                error = {
                    "code": -32000,
                    "message": f"no {NASTY}",
                    "data": {"type": "CommandError", "message": f"no {NASTY}", "expected": True},
                }
                send({"jsonrpc": "2.0", "id": id_, "error": error})
            else:
                send({"jsonrpc": "2.0", "id": id_, "result": f"hello {args['name']} {NASTY}"})
        elif method == "shutdown":
            send({"jsonrpc": "2.0", "id": id_, "result": None})
            return 0
        else:
            send(
                {
                    "jsonrpc": "2.0",
                    "id": id_,
                    "error": {"code": -32601, "message": "no such method"},
                }
            )
    return 0


channel = sys.stdout
if __name__ == "__main__":
    sys.exit(main())

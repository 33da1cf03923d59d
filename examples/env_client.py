#!/usr/bin/env python3
"""Play one episode of a Stepwise environment through `stepwise env-server` (standard library only).

Start the server, then run this client:

    bun apps/runner/src/main.ts env-server --port 8001
    python3 examples/env_client.py --url http://127.0.0.1:8001 --spec alfworld/legacy-v0

The client opens a session, resets it to a task, then asks the server for the expert's next action
and steps with it until the episode ends (a trainer would send its model's action text instead),
prints the transcript and a final JSON line {"won", "steps", "return", "score"}, and closes the
session. The API is described at /openapi.json.
"""

import argparse
import json
import os
import urllib.error
import urllib.request


class EnvClient:
    """A minimal client of the env-server's session API."""

    def __init__(self, url, api_key=None, timeout=30):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("content-type", "application/json")
        if self.api_key:
            request.add_header("authorization", "Bearer " + self.api_key)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{method} {path}: {error.code} {error.read().decode('utf-8')}") from None

    def specs(self):
        return self._call("GET", "/v1/envs")

    def create(self, spec, options=None):
        body = {"spec": spec}
        if options:
            body["options"] = options
        return self._call("POST", "/v1/sessions", body)["session"]

    def reset(self, session, seed=0, split=None, index=0):
        body = {"seed": seed, "index": index}
        if split is not None:
            body["split"] = split
        return self._call("POST", f"/v1/sessions/{session}/reset", body)

    def step(self, session, action):
        return self._call("POST", f"/v1/sessions/{session}/step", {"action": action})

    def admissible(self, session):
        return self._call("GET", f"/v1/sessions/{session}/admissible")["actions"]

    def state_key(self, session):
        return self._call("GET", f"/v1/sessions/{session}/state-key")["stateKey"]

    def expert(self, session):
        return self._call("GET", f"/v1/sessions/{session}/expert")["action"]

    def close(self, session):
        return self._call("DELETE", f"/v1/sessions/{session}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8001")
    parser.add_argument("--spec", default="alfworld/legacy-v0")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--index", type=int, default=0)
    parser.add_argument("--split", default=None)
    parser.add_argument("--quiet", action="store_true", help="only the final JSON line")
    args = parser.parse_args()

    client = EnvClient(args.url, api_key=os.environ.get("STEPWISE_API_KEY"))
    session = client.create(args.spec)
    try:
        reset = client.reset(session, seed=args.seed, split=args.split, index=args.index)
        if not args.quiet:
            print(f"task {reset['task']['id']}: {reset['task']['instruction']}")
            print(reset["observation"])
        won, steps, total, score = False, 0, 0.0, 0.0
        while True:
            action = client.expert(session)
            if action is None:
                break
            result = client.step(session, action)
            steps += 1
            total += result["reward"]
            won, score = won or result["won"], result["score"]
            if not args.quiet:
                print(f"> {action}\n{result['observation']}")
            if result["done"]:
                break
        print(json.dumps({"won": won, "steps": steps, "return": total, "score": score}))
    finally:
        client.close(session)


if __name__ == "__main__":
    main()

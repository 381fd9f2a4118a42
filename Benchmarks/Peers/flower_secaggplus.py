#!/usr/bin/env python3
"""Times Flower's own SecAgg+ (flwr's SecAggPlusWorkflow and secaggplus_mod, unmodified) in one
process, with no network, and checks its result against the plaintext mean.

Flower's server workflow talks to clients through a `Grid`. `DirectGrid` below is the only
piece written here: it hands each message to the client app in the same process (the client
mod, then the NumPyClient's fit) and returns the reply, timing every client call. Every message
and reply crosses as Flower's own protobuf bytes, as a transport would carry it (the workflow
sends one shared content object to all clients, which the client mod changes in place, so each
client needs its own copy anyway). A client's time is decode + compute + encode of each message
it answers; the server's is everything else, its own encoding and decoding included — the same
split as `private-aggregation simulate` reports. A fraction of
the clients drops out before the masked-input stage: the grid delivers nothing to them from that
stage on, as if they had gone offline, and the workflow recovers their masks from the shares.

Printed (one JSON object): clients, elements, num_shares, dropped, clientSeconds (the mean over
all clients of each one's compute in all stages), clientMaxSeconds, serverSeconds (the whole
workflow minus the client calls), and whether the result matched the plaintext mean.
"""
import argparse
import json
import logging
import random
import sys
import time
import uuid

import numpy as np

from flwr.app import Context, Message, RecordDict
from flwr.client import NumPyClient
from flwr.client.mod import secaggplus_mod
from flwr.clientapp import ClientApp
from flwr.common import ndarrays_to_parameters
from flwr.common.logger import FLOWER_LOGGER
from flwr.common.serde import message_from_proto, message_to_proto
from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_CONFIGS, Key, Stage
from flwr.server import ServerConfig
from flwr.server.compat.legacy_context import LegacyContext
from flwr.server.strategy import FedAvg
from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow
from flwr.serverapp.grid import Grid
from flwr.supercore.run import Run
from flwr.supercore.task_identity import TaskIdentity


def client_vector(node_id: int, elements: int) -> np.ndarray:
    """Client `node_id`'s update: uniform in [-1, 1], fixed by the node id."""
    return np.random.default_rng(node_id).uniform(-1, 1, elements).astype(np.float32)


class VectorClient(NumPyClient):
    def __init__(self, node_id: int, elements: int):
        self.node_id = node_id
        self.elements = elements

    def get_parameters(self, config):
        return [np.zeros(self.elements, dtype=np.float32)]

    def fit(self, parameters, config):
        return [client_vector(self.node_id, self.elements)], 1, {}


class DirectGrid(Grid):
    """Delivers each message straight to the in-process client app and times the call."""

    def __init__(self, node_ids, elements, dropped):
        self._run = Run.create_empty(run_id=1)
        self.node_ids = list(node_ids)
        self.dropped = set(dropped)
        self.elements = elements
        self.contexts = {
            nid: Context(run_id=1, node_id=nid, node_config={}, state=RecordDict(), run_config={})
            for nid in self.node_ids
        }
        self.client_app = ClientApp(client_fn=self.make_client, mods=[secaggplus_mod])
        self.replies = {}
        self.client_seconds = {nid: 0.0 for nid in self.node_ids}

    def make_client(self, context: Context):
        return VectorClient(context.node_id, self.elements).to_client()

    def set_run(self, run):
        self._run = run

    @property
    def run(self):
        return self._run

    def create_message(self, content, message_type, dst_node_id, group_id, ttl=None):
        return Message(
            content=content, dst_node_id=dst_node_id, message_type=message_type,
            group_id=group_id, ttl=ttl)

    def get_node_ids(self):
        return list(self.node_ids)

    @staticmethod
    def stage(message: Message):
        configs = message.content.config_records.get(RECORD_KEY_CONFIGS)
        return configs.get(Key.STAGE) if configs is not None else None

    def push_messages(self, messages):
        ids = []
        for message in messages:
            message.metadata.__dict__["_message_id"] = str(uuid.uuid4())
            message.metadata.__dict__["_run_id"] = 1
            message.metadata.__dict__["_src_node_id"] = 0
            nid = message.metadata.dst_node_id
            if nid in self.dropped and self.stage(message) in (
                Stage.COLLECT_MASKED_VECTORS, Stage.UNMASK):
                continue  # offline: no reply
            outgoing = message_to_proto(message)
            sent = outgoing.SerializeToString()  # server side: encode
            start = time.perf_counter()  # client side: decode, compute, encode
            delivered = message_from_proto(type(outgoing).FromString(sent))
            reply = self.client_app(delivered, self.contexts[nid])
            wire = message_to_proto(reply)
            answer = wire.SerializeToString()
            self.client_seconds[nid] += time.perf_counter() - start
            # Server side: decode the reply.
            self.replies[message.metadata.message_id] = message_from_proto(
                type(wire).FromString(answer))
            ids.append(message.metadata.message_id)
        return ids

    def pull_messages(self, message_ids):
        return [self.replies.pop(i) for i in message_ids if i in self.replies]

    def send_and_receive(self, messages, *, timeout=None):
        return self.pull_messages(self.push_messages(list(messages)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--elements", type=int, default=100_000)
    parser.add_argument("--num-shares", type=int, default=15,
                        help="Flower's num_shares: neighbours + 1 (the client itself)")
    parser.add_argument("--threshold", type=int, default=None,
                        help="reconstruction threshold (default: num_shares // 2 + 1)")
    parser.add_argument("--dropout", type=float, default=0.05,
                        help="fraction of clients that drop before the masked-input stage")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    FLOWER_LOGGER.setLevel(logging.WARNING)
    # What Flower's runtime sets for a server app's process: its run, node (0) and task.
    TaskIdentity.run_id = 1
    TaskIdentity.node_id = 0
    TaskIdentity.task_id = 0
    random.seed(args.seed)  # Flower's workflow shuffles the neighbour ring with `random`

    node_ids = list(range(1, args.clients + 1))
    dropped = random.Random(args.seed).sample(node_ids, round(args.dropout * args.clients))
    grid = DirectGrid(node_ids, args.elements, dropped)
    threshold = args.threshold or args.num_shares // 2 + 1
    strategy = FedAvg(
        fraction_fit=1.0, fraction_evaluate=0.0, min_fit_clients=args.clients,
        min_available_clients=args.clients,
        initial_parameters=ndarrays_to_parameters([np.zeros(args.elements, np.float32)]))
    context = LegacyContext(
        context=Context(run_id=1, node_id=0, node_config={}, state=RecordDict(), run_config={}),
        config=ServerConfig(num_rounds=1), strategy=strategy)
    workflow = DefaultWorkflow(
        fit_workflow=SecAggPlusWorkflow(
            num_shares=args.num_shares, reconstruction_threshold=threshold,
            modulus_range=2**32))

    start = time.perf_counter()
    workflow(grid, context)
    total = time.perf_counter() - start

    client_total = sum(grid.client_seconds.values())
    result = context.state.array_records["parameters"].to_numpy_ndarrays()[0]
    survivors = [nid for nid in node_ids if nid not in set(dropped)]
    expected = np.mean([client_vector(nid, args.elements) for nid in survivors], axis=0)
    error = float(np.max(np.abs(result - expected)))
    # Flower quantizes weight/max_weight times each vector with `quantization_range` levels over
    # [-clipping_range, clipping_range], stochastically: each client's value is off by less than
    # one step, so the mean is too.
    step = 2 * 8.0 / 4194304 * 1000.0
    matches = error < step
    print(json.dumps({
        "implementation": "flwr " + __import__("flwr").__version__ + " SecAgg+",
        "clients": args.clients, "elements": args.elements, "num_shares": args.num_shares,
        "threshold": threshold, "modulus": "2^32", "dropped": len(dropped),
        "clientSeconds": client_total / len(node_ids),
        "clientMaxSeconds": max(grid.client_seconds.values()),
        "serverSeconds": total - client_total,
        "maxAbsErrorOfMean": error, "quantizationStep": step, "matchesPlaintextMean": matches,
    }))
    return 0 if matches else 1


if __name__ == "__main__":
    sys.exit(main())

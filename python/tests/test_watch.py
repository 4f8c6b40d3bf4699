"""Run.watch against a real collector: what the hooks record, at which steps, with which counts."""

import uuid

import pytest
import torch
from torch import nn

import actiscope

BATCH = 5


def tiny_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def train(model, run, steps):
    """`steps` training steps of SGD; returns each step's batch."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    batches = []
    for _ in range(steps):
        x = torch.randn(BATCH, 4) * 3
        batches.append(x)
        loss = model(x).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        run.log(loss=loss.item())
    return batches


def new_id():
    return "py-" + uuid.uuid4().hex[:12]


def test_activation_histograms_count_every_element_of_each_output(server):
    model = tiny_model()
    outputs = {name: [] for name in ("0", "1", "2")}
    for name, module in model.named_children():
        module.register_forward_hook(
            lambda m, i, o, name=name: outputs[name].append(o.detach().clone()))
    run_id = new_id()
    with actiscope.init(server=server.address, run_name="counts", run_id=run_id) as run:
        run.watch(model)
        train(model, run, 3)
    assert run.finish().all_delivered

    for name, numel in (("0", BATCH * 8), ("1", BATCH * 8), ("2", BATCH * 3)):
        columns = server.heatmap(run_id, name)
        assert [c["step_from"] for c in columns] == [0, 1, 2]
        for column, output in zip(columns, outputs[name]):
            assert column["histograms"] == 1
            assert column["elements"] == numel
            expected = torch.histc(output, bins=40, min=0, max=10)
            # histc counts x == 10 in the last bin; the kernel counts it as above.
            assert column["counts"][:-1] == [int(c) for c in expected[:-1]]
            assert column["below"] == int((output < 0).sum())
            assert column["min"] == pytest.approx(float(output.min()), rel=1e-6)


def test_gradients_and_weights_are_recorded_per_step(server):
    model = tiny_model()
    weights_before_forward = []
    model.register_forward_pre_hook(
        lambda m, i: weights_before_forward.append(m[0].weight.detach().clone()))
    run_id = new_id()
    with actiscope.init(server=server.address, run_id=run_id) as run:
        run.watch(model, kinds=("activation", "gradient", "weight"))
        train(model, run, 3)

    layers = {layer["name"]: layer["kinds"] for layer in server.show(run_id)["layers"]}
    assert layers["0"] == ["activation", "gradient"]
    assert layers["2"] == ["activation", "gradient"]
    assert layers["0.weight"] == ["weight"] and layers["2.weight"] == ["weight"]
    assert "0.bias" not in layers  # 1-dimensional parameters are not recorded.

    gradients = server.heatmap(run_id, "2", kind="gradient")
    assert [(c["step_from"], c["elements"]) for c in gradients] == [(0, 15), (1, 15), (2, 15)]
    weights = server.heatmap(run_id, "0.weight", kind="weight")
    assert [c["elements"] for c in weights] == [32, 32, 32]
    # The weights of step n are those its forward used (after the optimizer's step n - 1).
    for column, weight in zip(weights, weights_before_forward):
        assert column["max"] == pytest.approx(float(weight.max()), rel=1e-6)
        assert column["sum"] == pytest.approx(float(weight.sum()), rel=1e-4, abs=1e-5)


def test_every_records_every_nth_step_and_log_uses_the_current_step(server):
    model = tiny_model()
    run_id = new_id()
    with actiscope.init(server=server.address, run_id=run_id) as run:
        run.watch(model, modules=["0", "2"], every=3)
        train(model, run, 7)
        assert run.step == 6
    assert [c["step_from"] for c in server.heatmap(run_id, "0")] == [0, 3, 6]
    assert sorted(layer["name"] for layer in server.show(run_id)["layers"]) == ["0", "2"]
    assert sorted(server.scalars(run_id)["loss"]) == list(range(7))


def test_eval_forwards_record_nothing_and_assigned_steps_are_used(server):
    model = tiny_model()
    run_id = new_id()
    with actiscope.init(server=server.address, run_id=run_id) as run:
        run.watch(model, modules={"0": "first", "2": "last"})
        train(model, run, 2)  # Steps 0 and 1.
        model.eval()
        with torch.no_grad():
            model(torch.randn(BATCH, 4))
        model.train()
        assert run.step == 1
        run.step = 10
        train(model, run, 1)
        run.step = 20
        train(model, run, 1)
    assert [c["step_from"] for c in server.heatmap(run_id, "first")] == [0, 1, 10, 20]
    assert [c["elements"] for c in server.heatmap(run_id, "last")] == [15, 15, 15, 15]


class TupleOut(nn.Module):
    def forward(self, x):
        return x, x


class NoneOut(nn.Module):
    def forward(self, x):
        return None


class IntegerOut(nn.Module):
    def forward(self, x):
        return x.long()


class Odd(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 4)
        self.pair = TupleOut()
        self.nothing = NoneOut()
        self.integer = IntegerOut()

    def forward(self, x):
        y = self.linear(x)
        a, b = self.pair(y)
        self.nothing(a)
        self.integer(b)
        return a + b


def test_bad_input_never_reaches_the_training_loop(server):
    model = Odd()
    run_id = new_id()
    with actiscope.init(server=server.address, run_id=run_id) as run:
        run.watch(model, kinds=("activation", "gradient"))
        train(model, run, 2)
        run.log(bad="not a number")
    report = run.finish()
    assert report.dropped == 2  # The integer tensors, counted by the C++ Reporter.
    assert report.hook_errors == 2 * 2 + 1  # Tuple and None outputs per step, and the log.
    assert [c["elements"] for c in server.heatmap(run_id, "linear")] == [20, 20]
    assert len(server.heatmap(run_id, "linear", kind="gradient")) == 2
    assert server.show(run_id)["status"] == "finished"


def test_watch_refuses_unknown_modules_and_kinds(server):
    model = tiny_model()
    with actiscope.init(server=server.address, run_id=new_id()) as run:
        with pytest.raises(ValueError, match="no module 'nope'"):
            run.watch(model, modules=["nope"])
        with pytest.raises(ValueError, match="kind"):
            run.watch(model, kinds=("activations",))
        with pytest.raises(ValueError, match="bins"):
            run.watch(model, bins=0)
        watcher = run.watch(model, modules=[nn.Linear])
        watcher.remove()


def test_a_removed_watcher_records_nothing_and_a_new_one_goes_on_counting(server):
    model = tiny_model()
    run_id = new_id()
    with actiscope.init(server=server.address, run_id=run_id) as run:
        watcher = run.watch(model, modules=["0"])
        train(model, run, 2)
        watcher.remove()
        train(model, run, 1)
        run.watch(model, modules=["0"])
        train(model, run, 1)
        assert run.step == 2
    assert server.stored_steps(run_id, "0") == [0, 1, 2]

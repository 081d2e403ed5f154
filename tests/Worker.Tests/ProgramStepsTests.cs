// Which sub-step a worker's step takes: the phase from the epoch, the sub-step from the worker's steps in the phase
// (async, ssp) or from the round it computes from (sync), so every worker of a round pushes the same groups.
using Dtrain.Models.Graph;

namespace Dtrain.Worker.Tests;

public sealed class ProgramStepsTests
{
    private const string Json = """
        {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
         "nodes": [
           {"id": "d_fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
           {"id": "d_loss", "op": "softmax_cross_entropy", "inputs": ["d_fc", "y"]},
           {"id": "g_fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
           {"id": "g_loss", "op": "softmax_cross_entropy", "inputs": ["g_fc", "y"]}],
         "groups": [{"name": "D", "params": ["d_*"]}, {"name": "G", "params": ["g_*"]}],
         "program": [
           {"name": "pre", "epochs": 1, "loss": "g_loss", "groups": ["G"]},
           {"name": "adv", "epochs": 2, "steps": [{"loss": "d_loss", "groups": ["D"], "repeat": 2}, {"loss": "g_loss", "groups": ["G"]}]}]}
        """;

    private const ulong D = 0b010;
    private const ulong G = 0b100;

    private static readonly TrainingProgram Program = ModelCompiler.Compile(ModelParser.Parse(Json, "gan.json")).Program;

    [Fact]
    public void Async_worker_takes_the_sub_steps_in_turn_over_its_own_steps_and_starts_over_in_a_new_phase()
    {
        var steps = new ProgramSteps(Program, byRound: false);

        var pre = Enumerable.Range(0, 2).Select(_ => steps.Next(epoch: 1, round: 99).GroupMask).ToArray();
        var adv = Enumerable.Range(0, 7).Select(_ => steps.Next(epoch: 2, round: 99).GroupMask).ToArray();

        Assert.Equal([G, G], pre);
        Assert.Equal([D, D, G, D, D, G, D], adv);
        Assert.Equal("adv", steps.Phase!.Name);
    }

    [Fact]
    public void Sync_worker_takes_the_sub_step_of_the_round_it_computes_from()
    {
        var first = new ProgramSteps(Program, byRound: true);
        var second = new ProgramSteps(Program, byRound: true);
        first.Next(epoch: 2, round: 0); // the first worker has taken a step more than the second

        Assert.Equal(G, first.Next(epoch: 2, round: 5).GroupMask);
        Assert.Equal(G, second.Next(epoch: 2, round: 5).GroupMask);
        Assert.Equal(D, second.Next(epoch: 2, round: 6).GroupMask);
    }
}

// Model format v2: groups and programs compile into a TrainingProgram; every bad program fails with one line naming
// the file and the phase or group at fault.
using Dtrain.Models.Graph;

namespace Dtrain.Models.Tests.Graph;

public sealed class TrainingProgramTests
{
    private const string File = "gan.json";

    // Two heads on one input, each with its own loss, and a third dense node feeding head a.
    private const string Head = """
        "inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
        "nodes": [
          {"id": "d_fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
          {"id": "emb", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
          {"id": "d_out", "op": "add", "inputs": ["d_fc", "emb"]},
          {"id": "d_loss", "op": "softmax_cross_entropy", "inputs": ["d_out", "y"]},
          {"id": "g_fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
          {"id": "g_loss", "op": "softmax_cross_entropy", "inputs": ["g_fc", "y"]}
        ]
        """;

    private const string Groups = """
        "groups": [
          {"name": "D", "params": ["d_*"], "optimizer": "adam", "lr": 0.0002, "beta1": 0.5},
          {"name": "G", "params": ["g_fc"], "lr": 0.5},
          {"name": "emb", "params": ["emb"], "frozen": true}
        ]
        """;

    private const string Program = """
        "program": [
          {"name": "warmup", "epochs": 2, "loss": "g_loss", "groups": ["G"]},
          {"name": "adv", "epochs": 3, "steps": [
              {"loss": "d_loss", "groups": ["D"], "repeat": 2},
              {"loss": ["g_loss", "d_loss"], "groups": ["G"]}]}
        ]
        """;

    private const string Training = """
        "training": {"optimizer": "sgd", "lr": 0.1}
        """;

    [Fact]
    public void V1_model_compiles_into_one_phase_over_one_default_group()
    {
        var model = Compile($$"""{ {{Head}}, "loss": "d_loss" }""");

        var program = model.Program;

        Assert.False(program.Written);
        Assert.False(program.HasGroups);
        var group = Assert.Single(program.Groups);
        Assert.Equal(("default", false), (group.Name, group.Frozen));
        Assert.Equal(Enumerable.Range(0, model.Parameters.Count), group.Parameters);
        var phase = Assert.Single(program.Phases);
        var step = Assert.Single(phase.Steps);
        Assert.Equal([model.LossValue], step.Losses);
        Assert.Equal(TrainingProgram.AllGroups, step.GroupMask);
    }

    [Fact]
    public void Groups_take_parameters_by_glob_and_node_id_and_leave_the_rest_in_default()
    {
        var model = Compile($$"""{ {{Head}}, {{Groups}}, {{Program}}, {{Training}} }""");

        var program = model.Program;

        Assert.Equal(["default", "D", "G", "emb"], program.Groups.Select(g => g.Name));
        string GroupOf(string parameter) => program.Groups[program.GroupOf(model.Parameters.Single(p => p.Name == parameter).Index)].Name;
        Assert.Equal(["D", "D", "emb", "emb", "G", "G"], new[] { "d_fc.weight", "d_fc.bias", "emb.weight", "emb.bias", "g_fc.weight", "g_fc.bias" }.Select(GroupOf));
        Assert.Empty(program.Groups[0].Parameters);
        Assert.True(program.Groups[3].Frozen);
    }

    [Fact]
    public void A_group_optimizer_takes_the_training_section_for_fields_it_leaves_out()
    {
        var model = Compile($$"""{ {{Head}}, {{Groups}}, {{Program}}, {{Training}} }""");
        var training = model.Spec.Training.Optimizer;

        var d = model.Program.OptimizerOf(1, training);
        var g = model.Program.OptimizerOf(2, training);

        Assert.Equal(("adam", 0.0002f, 0.5f), (d.Type, d.LearningRate, d.Beta1));
        Assert.Equal(("sgd", 0.5f), (g.Type, g.LearningRate));
    }

    [Fact]
    public void Phases_follow_each_other_and_sub_steps_alternate_by_repeat()
    {
        var model = Compile($$"""{ {{Head}}, {{Groups}}, {{Program}}, {{Training}} }""");
        var program = model.Program;
        var dLoss = Value(model, "d_loss");
        var gLoss = Value(model, "g_loss");

        Assert.Equal(5, program.TotalEpochs);
        Assert.Equal(5, model.Spec.Training.Epochs);
        Assert.Equal(["warmup", "warmup", "adv", "adv", "adv"], Enumerable.Range(1, 5).Select(e => program.PhaseAt(e).Name));
        var adv = program.PhaseAt(3);
        Assert.Equal(3, adv.FirstEpoch);
        var masks = Enumerable.Range(0, 7).Select(s => adv.StepAt(s).GroupMask).ToArray();
        Assert.Equal([0b10UL, 0b10UL, 0b100UL, 0b10UL, 0b10UL, 0b100UL, 0b10UL], masks);
        Assert.Equal([gLoss, dLoss], adv.StepAt(2).Losses);
        Assert.Equal(0b100UL, program.PhaseAt(1).StepAt(0).GroupMask);
    }

    [Fact]
    public void Top_level_loss_defaults_to_the_last_phase_first_loss()
    {
        var model = Compile($$"""{ {{Head}}, {{Groups}}, {{Program}} }""");

        Assert.Equal("d_loss", model.Values[model.LossValue].Name);
    }

    [Fact]
    public void A_phase_without_groups_trains_every_group_that_is_not_frozen()
    {
        var model = Compile($$"""{ {{Head}}, {{Groups}}, "program": [{"name": "all", "epochs": 1, "loss": "d_loss"}] }""");

        Assert.Equal(0b110UL, model.Program.Phases[0].Steps[0].GroupMask);
    }

    [Theory]
    [InlineData("""[{"name": "adv", "epochs": 1, "loss": "x"}]""", "program phase 'adv': loss 'x' names no node")]
    [InlineData("""[{"name": "adv", "epochs": 1, "loss": "d_fc"}]""", "program phase 'adv': loss 'd_fc' (op dense) is not a loss op")]
    [InlineData("""[{"name": "adv", "epochs": 1, "loss": "d_loss", "groups": ["Q"]}]""", "program phase 'adv': unknown group 'Q'; groups: D, G, emb")]
    [InlineData("""[{"name": "adv", "epochs": 1, "loss": "d_loss", "groups": ["emb"]}]""", "program phase 'adv': group 'emb' is frozen and cannot be trained")]
    [InlineData("""[{"name": "adv", "epochs": 1, "loss": "d_loss", "steps": [{"loss": "d_loss"}]}]""", "program phase 'adv': has both \"loss\" and \"steps\"")]
    [InlineData("""[{"name": "adv", "epochs": 1}]""", "program phase 'adv': needs a \"loss\"")]
    [InlineData("""[{"name": "adv", "epochs": 0, "loss": "d_loss"}]""", "program phase 'adv': \"epochs\" must be a positive integer, got 0")]
    [InlineData("""[{"name": "p1", "epochs": 1, "loss": "d_loss", "rule": "cd"}]""", "program phase 'p1': rule cd does not fit node 'd_loss' (op softmax_cross_entropy); it needs an rbm node")]
    [InlineData("""[{"name": "p1", "epochs": 1, "loss": "d_loss", "rule": "hebbian"}]""", "it needs an hopfield node")]
    [InlineData("""[{"name": "p1", "epochs": 1, "loss": "d_loss", "rule": "magic"}]""", "program phase 'p1': rule 'magic' is not known; known: backprop, cd, hebbian, perceptron")]
    [InlineData("""[{"name": "p1", "epochs": 1, "loss": "d_loss", "lr": 3}]""", "program phase 'p1': unknown field \"lr\"")]
    [InlineData("""[{"name": "p1", "epochs": 1, "steps": [{"loss": "d_loss", "repeat": 0}]}]""", "program phase 'p1' step 1: \"repeat\" must be a positive integer, got 0")]
    [InlineData("""[{"name": "p1", "epochs": 1, "steps": [{"loss": "d_loss", "every": 2}]}]""", "program phase 'p1' step 1: unknown field \"every\"")]
    [InlineData("""[{"name": "p1", "epochs": 2147483647, "loss": "d_loss"}, {"name": "p2", "epochs": 2147483647, "loss": "g_loss"}]""", "the program's phases add up to 4,294,967,294 epochs, more than the 2,147,483,646 a job may train")]
    [InlineData("""[{"name": "p1", "epochs": 2147483647, "loss": "d_loss"}]""", "the program's phases add up to 2,147,483,647 epochs")]
    [InlineData("""[{"name": "p1", "epochs": 1, "steps": [{"loss": "d_loss", "repeat": 2147483647}, {"loss": "g_loss", "repeat": 2}]}]""", "program phase 'p1': its steps' repeats add up to 2,147,483,649, more than 2,147,483,647")]
    [InlineData("""[{"name": "p1", "epochs": 1, "loss": "d_loss"}, {"name": "p1", "epochs": 1, "loss": "g_loss"}]""", "program phase 'p1': another phase has the same name")]
    [InlineData("""[]""", "\"program\" must be a non-empty array")]
    public void Bad_program_fails_with_one_line_naming_the_file_and_phase(string program, string expected)
    {
        var error = Fails($$"""{ {{Head}}, {{Groups}}, "program": {{program}} }""");

        Assert.Contains(expected, error.Message);
        Assert.StartsWith($"{File}: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("""[{"name": "G", "params": ["nothing*"]}]""", "group 'G': \"nothing*\" matches no parameter or node with parameters")]
    [InlineData("""[{"name": "D", "params": ["d_fc"]}, {"name": "G", "params": ["d_fc.weight"]}]""", "parameter 'd_fc.weight' is in groups 'D' and 'G'")]
    [InlineData("""[{"name": "D", "params": ["d_*"]}, {"name": "D", "params": ["g_*"]}]""", "group 'D': another group has the same name")]
    [InlineData("""[{"name": "default", "params": ["d_*"]}]""", "group 'default' is the implicit group")]
    [InlineData("""[{"name": "D", "params": []}]""", "group 'D': \"params\" must be a non-empty array")]
    [InlineData("""[{"name": "D", "params": ["d_*"], "optimiser": "adam"}]""", "group 'D': unknown field \"optimiser\"")]
    [InlineData("""[{"name": "D", "params": ["d_*"], "optimizer": "lion"}]""", "group 'D': optimizer 'lion' is not known")]
    [InlineData("""[{"name": "D", "params": ["d_*"], "lr": -1}]""", "group 'D': lr must be a positive number, got -1")]
    [InlineData("""[{"name": "D", "params": ["d_*"], "frozen": "yes"}]""", "group 'D': \"frozen\" must be true or false")]
    public void Bad_group_fails_with_one_line_naming_the_file_and_group(string groups, string expected)
    {
        var error = Fails($$"""{ {{Head}}, "groups": {{groups}}, "loss": "d_loss" }""");

        Assert.Contains(expected, error.Message);
        Assert.StartsWith($"{File}: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void More_groups_than_a_push_mask_holds_are_refused()
    {
        var groups = string.Join(", ", Enumerable.Range(0, 64).Select(i => $$"""{"name": "g{{i}}", "params": ["d_fc.weight"]}"""));

        var error = Fails($$"""{ {{Head}}, "groups": [{{groups}}], "loss": "d_loss" }""");

        Assert.Contains("64 groups, more than the 63 a model may name", error.Message);
    }

    [Fact]
    public void Training_epochs_beside_a_program_is_refused()
    {
        var error = Fails($$"""{ {{Head}}, {{Program}}, {{Groups}}, "training": {"epochs": 4} }""");

        Assert.Contains("training.epochs does not apply to a model with a \"program\"", error.Message);
    }

    [Fact]
    public void Every_group_frozen_leaves_nothing_to_train()
    {
        var error = Fails($$"""{ {{Head}}, "groups": [{"name": "all", "params": ["*"], "frozen": true}], "loss": "d_loss" }""");

        Assert.Contains("every group is frozen, so there is nothing to train", error.Message);
    }

    private static CompiledModel Compile(string json) => ModelCompiler.Compile(ModelParser.Parse(json, File));

    private static ModelFileException Fails(string json) => Assert.Throws<ModelFileException>(() => Compile(json));

    private static int Value(CompiledModel model, string name) => model.Values.Select((v, i) => (v, i)).Single(p => p.v.Name == name).i;
}

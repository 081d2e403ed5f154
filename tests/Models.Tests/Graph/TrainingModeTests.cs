// Training modes are parsed once from their file spelling and spelled back the same way; an unknown name is one line
// that lists the known ones, wherever it was given.
using Dtrain.Models.Graph;

namespace Dtrain.Models.Tests.Graph;

public sealed class TrainingModeTests
{
    [Theory]
    [InlineData("async", TrainingMode.Async)]
    [InlineData("ssp", TrainingMode.Ssp)]
    [InlineData("sync", TrainingMode.Sync)]
    public void TrainingModes_parse_each_file_spelling_and_spell_it_back(string name, TrainingMode mode)
    {
        // Act
        var parsed = TrainingModes.Parse(name);

        // Assert
        Assert.Equal(mode, parsed);
        Assert.Equal(name, mode.Name());
    }

    [Theory]
    [InlineData("bsp")]
    [InlineData("Sync")]
    [InlineData("")]
    public void TrainingModes_parse_nothing_but_the_exact_spellings(string name)
    {
        // Act and assert
        Assert.Null(TrainingModes.Parse(name));
    }

    [Fact]
    public void TrainingModes_refuse_an_unknown_mode_in_one_line_naming_where_it_came_from()
    {
        // Act
        var line = TrainingModes.NotKnown("--mode", "bsp");

        // Assert
        Assert.Equal("--mode 'bsp' is not known; known: async, ssp, sync", line);
    }

    [Fact]
    public void TrainingMode_values_are_fixed_because_wire_messages_carry_them_as_integers()
    {
        // Assert: StartWorker and JobCompleted carry the mode as its integer value between processes.
        Assert.Equal([0, 1, 2], Enum.GetValues<TrainingMode>().Select(m => (int)m));
        Assert.Equal(Enum.GetValues<TrainingMode>().Select(m => m.Name()), TrainingModes.Names);
    }

    [Fact]
    public void A_model_file_without_a_mode_trains_async()
    {
        // Assert
        Assert.Equal(TrainingMode.Async, new TrainingSettings().Mode);
    }
}

// Checks the factory's error messages and the optimizers' rejection of mismatched spans.
using Dtrain.Models.Optimizers;
using Factory = Dtrain.Models.Optimizers.Optimizers;

namespace Dtrain.Models.Tests.Optimizers;

public class OptimizerArgumentTests
{
    [Theory]
    [InlineData("sgd", typeof(Sgd), 0)]
    [InlineData("Momentum", typeof(Momentum), 1)]
    [InlineData("ADAM", typeof(Adam), 2)]
    [InlineData("nesterov", typeof(Nesterov), 1)]
    [InlineData("AdaGrad", typeof(Adagrad), 1)]
    [InlineData("rmsprop", typeof(RmsProp), 1)]
    [InlineData("adadelta", typeof(Adadelta), 2)]
    [InlineData("adamw", typeof(AdamW), 2)]
    public void Create_accepts_known_types_in_any_case(string type, Type expected, int slots)
    {
        // Act
        var optimizer = Factory.Create(new OptimizerSettings(type, 0.1f));

        // Assert
        Assert.IsType(expected, optimizer);
        Assert.Equal(slots, optimizer.StateSlots);
        Assert.Equal(type.ToLowerInvariant(), optimizer.Name);
    }

    [Fact]
    public void Create_rejects_unknown_type_listing_the_known_ones()
    {
        // Act
        var error = Assert.Throws<DtrainException>(() => Factory.Create(new OptimizerSettings("lamb", 0.1f)));

        // Assert
        Assert.Contains("'lamb'", error.Message);
        foreach (var known in new[] { "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw" })
            Assert.Contains(known, error.Message);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Create_rejects_a_learning_rate_that_is_not_positive(float learningRate)
    {
        // Act
        var error = Assert.Throws<DtrainException>(() => Factory.Create(new OptimizerSettings("sgd", learningRate)));

        // Assert
        Assert.Contains("LearningRate", error.Message);
    }

    [Theory]
    [InlineData("momentum", "Momentum")]
    [InlineData("adam", "Beta1")]
    [InlineData("adam", "Beta2")]
    [InlineData("nesterov", "Momentum")]
    [InlineData("adamw", "Beta1")]
    [InlineData("rmsprop", "Alpha")]
    [InlineData("adadelta", "Rho")]
    public void Create_rejects_a_decay_rate_of_one_naming_the_field(string type, string field)
    {
        // Arrange
        var settings = new OptimizerSettings(type, 0.1f);
        settings = field switch
        {
            "Momentum" => settings with { Momentum = 1f },
            "Beta1" => settings with { Beta1 = 1f },
            "Alpha" => settings with { Alpha = 1f },
            "Rho" => settings with { Rho = 1f },
            _ => settings with { Beta2 = 1f },
        };

        // Act
        var error = Assert.Throws<DtrainException>(() => Factory.Create(settings));

        // Assert
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void Apply_rejects_a_gradient_of_the_wrong_length_naming_it()
    {
        // Arrange
        var optimizer = new Sgd(0.1f);

        // Act
        var error = Assert.Throws<ArgumentException>(() => optimizer.Apply(new float[8], new float[7], [], [], 1));

        // Assert
        Assert.Contains("gradient has 7", error.Message);
    }

    [Fact]
    public void Apply_rejects_a_state_slot_of_the_wrong_length_naming_it()
    {
        // Arrange
        var optimizer = new Adam(0.1f);

        // Act
        var error = Assert.Throws<ArgumentException>(
            () => optimizer.Apply(new float[8], new float[8], new float[8], new float[4], 1));

        // Assert
        Assert.Contains("s1 has 4", error.Message);
    }

    [Fact]
    public void Apply_rejects_a_step_below_one()
    {
        // Arrange
        var optimizer = new Adam(0.1f);

        // Act / Assert
        Assert.Throws<ArgumentOutOfRangeException>(
            () => optimizer.Apply(new float[8], new float[8], new float[8], new float[8], 0));
    }
}

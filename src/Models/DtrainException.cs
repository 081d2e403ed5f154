// The one exception type whose message is meant for the user: the CLI prints it alone, without a stack trace.
namespace Dtrain.Models;

/// <summary>
/// An error caused by the user's input or environment (a malformed model file, a missing data set,
/// a wrong-sized gradient). Its message names the file, node, field or message at fault, and is one line: control
/// characters from a hostile file are escaped (<see cref="Printable"/>).
/// </summary>
public class DtrainException : Exception
{
    /// <summary>Creates the error with a message that names what is at fault.</summary>
    public DtrainException(string message) : base(Printable.Escape(message)) { }

    /// <summary>Creates the error with a message and the lower-level cause.</summary>
    public DtrainException(string message, Exception inner) : base(Printable.Escape(message), inner) { }
}

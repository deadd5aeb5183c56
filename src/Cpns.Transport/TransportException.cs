namespace Cpns.Transport;

/// <summary>
/// Thrown when the broker refuses an operation (a connection, a publish or a subscription) or when a
/// transport argument such as a topic segment or a broker address is malformed.
/// </summary>
public sealed class TransportException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public TransportException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What was refused and why.</param>
    public TransportException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What was refused and why.</param>
    /// <param name="innerException">The cause.</param>
    public TransportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

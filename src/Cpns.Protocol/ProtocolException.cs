namespace Cpns.Protocol;

/// <summary>The one exception <see cref="EnvelopeCodec"/> throws for a refused message.</summary>
/// <remarks>Its message is built from <see cref="ProtocolError"/> only, never from payload bytes.</remarks>
public sealed class ProtocolException : Exception
{
    /// <summary>Creates an exception for <paramref name="error"/>.</summary>
    /// <param name="error">Why the message was refused.</param>
    public ProtocolException(ProtocolError error)
        : base(error.ToString()) => Error = error;

    /// <summary>Creates an exception with no specific error (<see cref="ProtocolErrorCode.None"/>).</summary>
    public ProtocolException()
        : base("The message was refused.")
    {
    }

    /// <summary>Creates an exception with a message and no specific error.</summary>
    /// <param name="message">Explanation, which must not contain payload data.</param>
    public ProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message, an inner exception and no specific error.</summary>
    /// <param name="message">Explanation, which must not contain payload data.</param>
    /// <param name="innerException">The cause.</param>
    public ProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Why the message was refused.</summary>
    public ProtocolError Error { get; }
}

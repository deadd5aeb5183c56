namespace Cpns.Fuzz;

/// <summary>A broken promise a target detected itself: an oracle failed, or the input made the decoder allocate far more than it is long.</summary>
public sealed class FuzzFindingException : Exception
{
    public FuzzFindingException()
        : base("The decoder broke a promise.")
    {
    }

    public FuzzFindingException(string message)
        : base(message)
    {
    }

    public FuzzFindingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

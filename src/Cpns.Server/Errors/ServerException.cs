namespace Cpns.Server.Errors;

/// <summary>A failure the caller can act on; the API turns it into an RFC 9457 problem details body.</summary>
internal sealed class ServerException : Exception
{
    public ServerException()
    {
    }

    public ServerException(string message)
        : base(message)
    {
    }

    public ServerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal ServerException(ServerErrorKind kind, string title, string message, string? field = null)
        : base(message)
    {
        Kind = kind;
        Title = title;
        Field = field;
    }

    public ServerErrorKind Kind { get; }

    public string Title { get; } = "Error";

    /// <summary>For validation errors: the JSON name of the offending field.</summary>
    public string? Field { get; }
}

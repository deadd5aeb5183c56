namespace Cpns.Gateway;

/// <summary>
/// The gateway's local state cannot be used: the key file is missing its protection (mode wider than
/// 0600) or malformed, or the database does not open with it. The message says what to fix.
/// </summary>
public sealed class GatewayStartupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GatewayStartupException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public GatewayStartupException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public GatewayStartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

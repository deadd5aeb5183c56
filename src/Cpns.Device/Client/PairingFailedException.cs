namespace Cpns.Device.Client;

/// <summary>Pairing with a PN GW failed; <see cref="Exception.Message"/> says why, never with a code or key.</summary>
public sealed class PairingFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PairingFailedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why.</param>
    public PairingFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why.</param>
    /// <param name="innerException">The cause.</param>
    public PairingFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace Cpns.Device.Storage;

/// <summary>
/// A key store or device key failure. The message names what failed and never carries key bytes;
/// <see cref="Error"/> says why in a form a program can act on.
/// </summary>
public sealed class DeviceStoreException : Exception
{
    /// <summary>Creates an exception for <paramref name="error"/>.</summary>
    public DeviceStoreException(DeviceStoreError error, string message, Exception? innerException = null)
        : base(message, innerException) => Error = error;

    /// <summary>Creates an exception with a generic message.</summary>
    public DeviceStoreException()
        : this(DeviceStoreError.Corrupt, "The key store failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public DeviceStoreException(string message)
        : this(DeviceStoreError.Corrupt, message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public DeviceStoreException(string message, Exception innerException)
        : this(DeviceStoreError.Corrupt, message, innerException)
    {
    }

    /// <summary>Why the operation failed.</summary>
    public DeviceStoreError Error { get; }
}

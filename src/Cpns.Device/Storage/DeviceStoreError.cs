namespace Cpns.Device.Storage;

/// <summary>Why a <see cref="DeviceKeyStore"/> or <see cref="DeviceKey"/> operation failed.</summary>
public enum DeviceStoreError
{
    /// <summary>The store file failed AES-GCM authentication: it was altered, or the device key is not the one it was written with.</summary>
    AuthenticationFailed = 1,

    /// <summary>The file is not a key store, or is one of a format version this library does not read.</summary>
    UnsupportedFormat = 2,

    /// <summary>The store belongs to another device (its PNE id differs from the expected one).</summary>
    WrongDevice = 3,

    /// <summary>The device key file is readable or writable by users other than its owner.</summary>
    KeyFileInsecure = 4,

    /// <summary>The device key file does not hold exactly 32 bytes.</summary>
    KeyFileInvalid = 5,

    /// <summary>The store file does not exist.</summary>
    NotFound = 6,

    /// <summary>A store file already exists where a new one was to be created.</summary>
    AlreadyExists = 7,

    /// <summary>Writing the store failed; the previous store on disk is intact.</summary>
    WriteFailed = 8,

    /// <summary>The store's content decrypted but is not consistent (a bug or a foreign writer with the device key).</summary>
    Corrupt = 9,
}

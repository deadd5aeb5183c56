using System.Security.Cryptography;

namespace Cpns.Server.Secrets;

/// <summary>
/// The 32-byte key that seals every secret at rest. Loaded from <see cref="ServerOptions.MasterKey"/>, else from the
/// <c>CPNS_MASTER_KEY</c> environment variable, else from <c>master.key</c> in the data directory, which the first
/// start creates with mode 0600. The bytes live in a pinned array (the GC never copies them) wiped on dispose.
/// </summary>
internal sealed class MasterKey : IDisposable
{
    public const string FileName = "master.key";
    public const int Length = 32;

    private readonly byte[] _key;

    private MasterKey(byte[] key) => _key = key;

    public ReadOnlySpan<byte> Key
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    private bool _disposed;

    /// <summary>A new random key (for <see cref="MasterKeyRotation"/>).</summary>
    public static MasterKey Generate()
    {
        var key = GC.AllocateArray<byte>(Length, pinned: true);
        RandomNumberGenerator.Fill(key);
        return new MasterKey(key);
    }

    /// <summary>A key from its 32 bytes; the caller wipes its copy.</summary>
    public static MasterKey FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new InvalidOperationException($"A master key is {Length} bytes.");
        }

        var key = GC.AllocateArray<byte>(Length, pinned: true);
        bytes.CopyTo(key);
        return new MasterKey(key);
    }

    /// <summary>Whether the key comes from <c>master.key</c> in the data directory (neither the option nor the environment variable is set).</summary>
    public static bool IsFromFile(ServerOptions options, Func<string, string?>? environment = null) =>
        string.IsNullOrWhiteSpace(options.MasterKey ?? (environment ?? Environment.GetEnvironmentVariable)(ServerOptions.MasterKeyEnvironmentVariable));

    public static MasterKey Load(ServerOptions options, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var base64 = options.MasterKey ?? environment(ServerOptions.MasterKeyEnvironmentVariable);
        var key = GC.AllocateArray<byte>(Length, pinned: true);
        if (!string.IsNullOrWhiteSpace(base64))
        {
            if (!Convert.TryFromBase64String(base64.Trim(), key, out var written) || written != Length)
            {
                CryptographicOperations.ZeroMemory(key);
                throw new InvalidOperationException($"The master key must be {Length} bytes in base64.");
            }

            return new MasterKey(key);
        }

        var path = Path.Combine(options.DataDirectory, FileName);
        if (File.Exists(Path.Combine(options.DataDirectory, MasterKeyRotation.PendingFileName)))
        {
            CryptographicOperations.ZeroMemory(key);
            throw new InvalidOperationException(
                $"A master key rotation was interrupted ({MasterKeyRotation.PendingFileName} exists in {options.DataDirectory}): run `cpns server rotate-master-key` again to finish it.");
        }

        if (!File.Exists(path))
        {
            TryCreate(path);
        }

        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            if (stream.Length != Length)
            {
                throw new InvalidOperationException($"{path} must hold exactly {Length} bytes.");
            }

            stream.ReadExactly(key);
        }

        return new MasterKey(key);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_key);
            _disposed = true;
        }
    }

    private static void TryCreate(string path)
    {
        Span<byte> fresh = stackalloc byte[Length];
        RandomNumberGenerator.Fill(fresh);
        try
        {
            // CreateNew: if two instances start on one data directory, the loser reads the winner's key.
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var stream = new FileStream(path, fileOptions);
            stream.Write(fresh);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(path))
        {
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fresh);
        }
    }
}

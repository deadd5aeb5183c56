namespace Cpns.Server.Domain;

/// <summary>
/// The server's certificate authority (one row, id 1): its certificate and its private key as encrypted PKCS#8 PEM,
/// the password derived from the master key. Kept in the database, not a file, so that every instance sharing one
/// PostgreSQL issues and trusts the same certificates.
/// </summary>
internal sealed class ServerAuthority
{
    public const int SingletonId = 1;

    public int Id { get; set; }

    /// <summary>Output of <c>CertificateAuthority.ExportEncryptedPem</c>: the certificate and the encrypted key.</summary>
    public required string Pem { get; set; }

    public DateTime CreatedAt { get; set; }
}

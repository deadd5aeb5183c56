namespace Cpns.Server.Domain;

/// <summary>A PN Gateway known to the server.</summary>
internal sealed class Gateway
{
    public required string Id { get; set; }

    /// <summary>The id of the PN the gateway serves (one PN per gateway).</summary>
    public string? PnId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? EnrolledAt { get; set; }

    /// <summary>
    /// The per-gateway <c>WrappingKey</c> (32 bytes) sealed under the master key (<c>SecretProtector.SealGatewayKey</c>);
    /// null until the gateway enrolls. Re-enrollment replaces it.
    /// </summary>
    public byte[]? SealedKey { get; set; }

    /// <summary>Hex serial number of the client certificate issued at the last enrollment.</summary>
    public string? CertificateSerial { get; set; }

    public DateTime? CertificateExpiresAt { get; set; }
}

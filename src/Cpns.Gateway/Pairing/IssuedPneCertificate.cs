namespace Cpns.Gateway.Pairing;

/// <summary>A PNE's PN client certificate and the PN CA certificate that issued it, DER encoded.</summary>
/// <param name="CertificateDer">The PNE's certificate (subject CN = PNE id).</param>
/// <param name="CaCertificateDer">The PN CA's certificate, for the PNE to validate the PN broker.</param>
public sealed record IssuedPneCertificate(ReadOnlyMemory<byte> CertificateDer, ReadOnlyMemory<byte> CaCertificateDer);

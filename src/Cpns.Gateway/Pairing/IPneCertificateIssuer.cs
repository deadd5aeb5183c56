namespace Cpns.Gateway.Pairing;

/// <summary>
/// Issues a PNE's PN client certificate from its certificate signing request during pairing
/// (docs/architecture.md, "Identities and certificates"). Implemented by the transport's PN CA.
/// </summary>
public interface IPneCertificateIssuer
{
    /// <summary>
    /// Issues a certificate with subject CN = <paramref name="pneId"/> for the key in the CSR, or
    /// returns null when the CSR is malformed, its signature is wrong, or it asks for another subject.
    /// Called only after the PNE has proved the pairing code.
    /// </summary>
    public ValueTask<IssuedPneCertificate?> IssueAsync(string pneId, ReadOnlyMemory<byte> csrDer, CancellationToken cancellationToken);
}

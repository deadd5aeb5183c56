namespace Cpns.Transport;

/// <summary>What a peer certificate must be good for (its Extended Key Usage).</summary>
public enum CertificatePurpose
{
    /// <summary>A broker's TLS certificate: EKU serverAuth (1.3.6.1.5.5.7.3.1).</summary>
    Server = 1,

    /// <summary>A gateway's or PNE's certificate: EKU clientAuth (1.3.6.1.5.5.7.3.2).</summary>
    Client,
}

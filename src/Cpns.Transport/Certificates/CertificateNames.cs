using System.Security.Cryptography.X509Certificates;

namespace Cpns.Transport;

/// <summary>Reads the identity (subject CN) out of a certificate the project's CA issued.</summary>
internal static class CertificateNames
{
    /// <summary>
    /// The single CN of the subject, or null when there is none, more than one, or it is not a valid id.
    /// Our CAs write exactly one CN, so anything else is not one of ours.
    /// </summary>
    public static string? GetIdentity(X509Certificate2 certificate)
    {
        string? cn = null;
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.GetSingleElementType().Value == "2.5.4.3")
            {
                if (cn is not null)
                {
                    return null;
                }

                cn = rdn.GetSingleElementValue();
            }
        }

        return Topics.IsValidId(cn) ? cn : null;
    }
}

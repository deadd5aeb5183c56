using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cpns.Security.Tests.Support;

/// <summary>
/// TLS from the client's side, independent of what the local TLS library agrees to offer: a hand-made ClientHello of
/// a chosen version (RFC 5246 7.4.1.2; TLS 1.0/1.1 have the same layout) and what the server answers to it, and
/// an <see cref="SslStream"/> handshake for the negotiated version.
/// </summary>
internal static class TlsProbe
{
    /// <summary>What the server sent back to a ClientHello.</summary>
    public enum Answer
    {
        /// <summary>A ServerHello: the version was accepted.</summary>
        ServerHello,

        /// <summary>A TLS alert (for an old version: protocol_version, 70).</summary>
        Alert,

        /// <summary>The connection was closed without an answer.</summary>
        Closed,
    }

    /// <summary>Sends a ClientHello with <paramref name="version"/> (0x0301 TLS 1.0, 0x0302 TLS 1.1, 0x0303 TLS 1.2) and reads the first record back.</summary>
    public static async Task<(Answer Answer, byte AlertDescription)> HelloAsync(IPEndPoint endpoint, ushort version, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint, cancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync(ClientHello(version), cancellationToken);
        var header = new byte[7];
        var read = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            while (read < header.Length)
            {
                var n = await stream.ReadAsync(header.AsMemory(read), timeout.Token);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }
        }
        catch (IOException)
        {
        }

        return read switch
        {
            >= 6 when header[0] == 0x16 && header[5] == 0x02 => (Answer.ServerHello, 0),
            >= 7 when header[0] == 0x15 => (Answer.Alert, header[6]),
            _ => (Answer.Closed, 0),
        };
    }

    /// <summary>An SslStream handshake offering <paramref name="protocols"/>; the negotiated version, or the exception.</summary>
    public static async Task<(SslProtocols? Negotiated, Exception? Error)> HandshakeAsync(IPEndPoint endpoint, SslProtocols protocols, X509Certificate2? clientCertificate, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint, cancellationToken);
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    EnabledSslProtocols = protocols,
                    ClientCertificates = clientCertificate is null ? null : [clientCertificate],

                    // The probe looks at versions only; the real clients' validation is tested on its own.
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                },
                cancellationToken);

            return (ssl.SslProtocol, null);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or System.ComponentModel.Win32Exception)
        {
            return (null, e);
        }
    }

    /// <summary>
    /// Handshakes with a client certificate and waits for the server's verdict: true when the server ends the
    /// connection (during the handshake, or right after it: in TLS 1.3 and often in 1.2 the client finishes before
    /// the server has judged its certificate), false when the connection is still open after a few seconds.
    /// </summary>
    public static async Task<bool> ClientCertificateRefusedAsync(IPEndPoint endpoint, SslProtocols protocols, X509Certificate2 clientCertificate, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint, cancellationToken);
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    EnabledSslProtocols = protocols,
                    ClientCertificates = [clientCertificate],
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                },
                cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            return await ssl.ReadAsync(new byte[1], timeout.Token) == 0;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or System.ComponentModel.Win32Exception)
        {
            return true;
        }
    }

    /// <summary>The certificate the server presents (to pin it, as an operator would).</summary>
    public static async Task<X509Certificate2> ServerCertificateAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint, cancellationToken);
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => true }, cancellationToken);
        return X509CertificateLoader.LoadCertificate(ssl.RemoteCertificate!.GetRawCertData());
    }

    private static byte[] ClientHello(ushort version)
    {
        byte[] suites = [0xC0, 0x2B, 0xC0, 0x2C, 0xC0, 0x2F, 0xC0, 0x30, 0xC0, 0x09, 0xC0, 0x13, 0xC0, 0x0A, 0xC0, 0x14, 0x00, 0x2F, 0x00, 0x35];
        byte[] extensions =
        [
            0x00, 0x0A, 0x00, 0x06, 0x00, 0x04, 0x00, 0x17, 0x00, 0x18, // supported_groups: secp256r1, secp384r1
            0x00, 0x0B, 0x00, 0x02, 0x01, 0x00,                         // ec_point_formats: uncompressed
            0x00, 0x0D, 0x00, 0x08, 0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, // signature_algorithms
        ];
        var body = new List<byte>();
        body.AddRange([(byte)(version >> 8), (byte)version]);
        body.AddRange(RandomNumberGenerator.GetBytes(32));
        body.Add(0); // session id
        body.AddRange([(byte)(suites.Length >> 8), (byte)suites.Length]);
        body.AddRange(suites);
        body.AddRange([1, 0]); // compression: null
        body.AddRange([(byte)(extensions.Length >> 8), (byte)extensions.Length]);
        body.AddRange(extensions);
        var handshake = new List<byte> { 0x01, 0, (byte)(body.Count >> 8), (byte)body.Count };
        handshake.AddRange(body);
        var record = new byte[5 + handshake.Count];
        record[0] = 0x16;
        record[1] = 0x03;
        record[2] = 0x01; // the record layer version of a first ClientHello (RFC 8446 5.1)
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(3), (ushort)handshake.Count);
        handshake.CopyTo(record, 5);
        return record;
    }
}

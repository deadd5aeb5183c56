using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Cpns.Transport;

/// <summary>What the TLS layer learned about one connection, for the MQTT CONNECT check.</summary>
internal sealed record TlsConnectionInfo(TlsListenerKind Listener, EndPoint? RemoteEndPoint, X509Certificate2? ClientCertificate);

namespace Cpns.Transport;

/// <summary>Which of the broker's listeners a connection arrived on.</summary>
internal enum TlsListenerKind
{
    /// <summary>Client certificate required and validated against the CA.</summary>
    Authenticated = 1,

    /// <summary>No client certificate requested: only pairing clients, limited by the ACL to pairing topics.</summary>
    Pairing,
}

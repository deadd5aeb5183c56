namespace Cpns.Server.Domain;

/// <summary>An append-only record of a key lifecycle event. Never holds key bytes.</summary>
internal sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTime At { get; set; }

    /// <summary>Who: an API key's id and name, or <c>system</c> for the server's own actions.</summary>
    public required string Actor { get; set; }

    public required string Action { get; set; }

    public Guid? GroupId { get; set; }

    public long? Epoch { get; set; }

    public string? Detail { get; set; }
}

namespace Cpns.Server.Errors;

/// <summary>The one factory of the server's caller-facing exceptions.</summary>
internal static class ServerError
{
    public static ServerException Invalid(string field, string message) =>
        new(ServerErrorKind.Validation, "Invalid request", message, field);

    public static ServerException GroupNotFound(Guid groupId) =>
        new(ServerErrorKind.NotFound, "Service Group not found", $"No Service Group {groupId}.");

    public static ServerException MemberNotFound(string memberId) =>
        new(ServerErrorKind.NotFound, "Member not found", $"No member {memberId} in this Service Group.");

    public static ServerException PneNotFound(string gatewayId, string pneId) =>
        new(ServerErrorKind.NotFound, "PNE not found", $"PNE {pneId} is not registered behind gateway {gatewayId}.");

    public static ServerException Forbidden() =>
        new(ServerErrorKind.Forbidden, "Forbidden", "This API key does not manage this resource.");

    /// <summary>An enrollment token was refused. The reason is logged, never told to the caller.</summary>
    public static ServerException EnrollmentRefused() =>
        new(ServerErrorKind.Unauthorized, "Enrollment refused", "The enrollment token is not valid.");

    public static ServerException Conflict(string title, string message) =>
        new(ServerErrorKind.Conflict, title, message);
}

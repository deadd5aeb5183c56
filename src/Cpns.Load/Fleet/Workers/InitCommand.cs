namespace Cpns.Load.Fleet.Workers;

/// <summary>
/// The first command: the server to enroll with (the worker fetches each gateway's enrollment token itself, with the
/// run's operator key: it travels here, not on a command line that <c>ps</c> shows), where the gateways keep their
/// data, and the height of their trees.
/// </summary>
internal sealed record InitCommand(Uri Server, string ApiKey, string Directory, int TreeHeight) : FleetCommand;

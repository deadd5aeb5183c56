using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Cpns.Gateway.Storage.Migrations
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "GatewayIdentity",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    GatewayId = table.Column<string>(type: "TEXT", nullable: false),
                    PnId = table.Column<string>(type: "TEXT", nullable: false),
                    GatewayKeySealed = table.Column<byte[]>(type: "BLOB", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    GatewayKeySetAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GatewayIdentity", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "GroupMembers",
                columns: table => new
                {
                    GroupId = table.Column<string>(type: "TEXT", nullable: false),
                    PneId = table.Column<string>(type: "TEXT", nullable: false),
                    Epoch = table.Column<long>(type: "INTEGER", nullable: false),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    AnsweredAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GroupMembers", x => new { x.GroupId, x.PneId });
                });

            migrationBuilder.CreateTable(
                name: "Groups",
                columns: table => new
                {
                    GroupId = table.Column<string>(type: "TEXT", nullable: false),
                    Epoch = table.Column<long>(type: "INTEGER", nullable: false),
                    GroupKeySealed = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: true),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    BroadcastHeader = table.Column<byte[]>(type: "BLOB", nullable: false),
                    BroadcastNonce = table.Column<byte[]>(type: "BLOB", nullable: false),
                    BroadcastSealedKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    BroadcastPnId = table.Column<string>(type: "TEXT", nullable: false),
                    BroadcastScheme = table.Column<byte>(type: "INTEGER", nullable: false),
                    BroadcastSuite = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Groups", x => x.GroupId);
                });

            migrationBuilder.CreateTable(
                name: "KeyMaterial",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Height = table.Column<int>(type: "INTEGER", nullable: false),
                    Sealed = table.Column<byte[]>(type: "BLOB", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    NextFreeLeaf = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_KeyMaterial", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PendingDeleteAcks",
                columns: table => new
                {
                    GroupId = table.Column<string>(type: "TEXT", nullable: false),
                    Epoch = table.Column<long>(type: "INTEGER", nullable: false),
                    PneId = table.Column<string>(type: "TEXT", nullable: false),
                    AckedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PendingDeleteAcks", x => new { x.GroupId, x.Epoch, x.PneId });
                });

            migrationBuilder.CreateTable(
                name: "PendingDeletes",
                columns: table => new
                {
                    GroupId = table.Column<string>(type: "TEXT", nullable: false),
                    Epoch = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: true),
                    WholeGroup = table.Column<bool>(type: "INTEGER", nullable: false),
                    RequestedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PendingDeletes", x => new { x.GroupId, x.Epoch });
                });

            migrationBuilder.CreateTable(
                name: "Pnes",
                columns: table => new
                {
                    PneId = table.Column<string>(type: "TEXT", nullable: false),
                    Alias = table.Column<string>(type: "TEXT", nullable: true),
                    EuKeySealed = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Leaf = table.Column<int>(type: "INTEGER", nullable: true),
                    RegisteredAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    GkdkAssignedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    Removed = table.Column<bool>(type: "INTEGER", nullable: false),
                    RemovedAt = table.Column<DateTimeOffset>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Pnes", x => x.PneId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_GroupMembers_PneId",
                table: "GroupMembers",
                column: "PneId");

            migrationBuilder.CreateIndex(
                name: "IX_PendingDeleteAcks_PneId",
                table: "PendingDeleteAcks",
                column: "PneId");

            migrationBuilder.CreateIndex(
                name: "IX_Pnes_Leaf",
                table: "Pnes",
                column: "Leaf",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "GatewayIdentity");

            migrationBuilder.DropTable(
                name: "GroupMembers");

            migrationBuilder.DropTable(
                name: "Groups");

            migrationBuilder.DropTable(
                name: "KeyMaterial");

            migrationBuilder.DropTable(
                name: "PendingDeleteAcks");

            migrationBuilder.DropTable(
                name: "PendingDeletes");

            migrationBuilder.DropTable(
                name: "Pnes");
        }
    }
}

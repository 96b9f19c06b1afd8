// Creates each table once, on first use, for every store that owns tables. Like the SDK's handleTableAlreadyExists,
// 409 TableAlreadyExists is success and anything else is a coded storage error; a failed creation (storage down) is
// not remembered, so the next call tries again.
import type { TableClient } from "@azure/data-tables";
import { codeOf, statusOf, toStorageError } from "./storage-errors";

export class EnsuredTables {
  private readonly ready = new Map<TableClient, Promise<void>>();

  async ensure(client: TableClient): Promise<TableClient> {
    let ready = this.ready.get(client);
    if (ready === undefined) {
      ready = client.createTable().then(
        () => undefined,
        (error: unknown) => {
          if (statusOf(error) === 409 && codeOf(error) === "TableAlreadyExists") return;
          this.ready.delete(client);
          throw toStorageError(error, `creating table ${client.tableName}`);
        },
      );
      this.ready.set(client, ready);
    }
    await ready;
    return client;
  }
}

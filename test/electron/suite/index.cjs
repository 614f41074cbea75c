// Runs inside the VS Code that @vscode/test-electron downloaded: activates Kairos and checks
// its commands are registered. A thrown error fails the run.
const assert = require('node:assert');
const vscode = require('vscode');

exports.run = async function run() {
  const ext = vscode.extensions.getExtension('kairos.kairos');
  assert.ok(ext, 'kairos.kairos is loaded');
  await ext.activate();
  const commands = await vscode.commands.getCommands(true);
  for (const id of ['kairos.rememberSelection', 'kairos.search', 'kairos.setEmbeddingKey', 'kairos.deleteAllData']) {
    assert.ok(commands.includes(id), `${id} is registered`);
  }
};

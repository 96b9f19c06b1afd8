// PLACEHOLDER: being written (issue 15).
import type { ReportFormatter } from "./report-format";
import { AuditorError } from "../errors";

export const ocsfReportChunks: ReportFormatter = () => {
  throw new AuditorError("CONFIG_INVALID", "this format is not written yet");
};

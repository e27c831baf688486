// Public interface of the whiteboard ("Tafel"): the Board component and PNG/SVG export of a board document.
export { Board, type BoardProps } from './Board';
export type { BoardUser } from './engine';
export { exportBoardPng, exportBoardSvg } from './export';
